# Table 1: the mean empirical norm ||x - Phi(x)||_2 of every pattern over
# each test set (R1-R3 drawn with seed 4, as the paper's numbers are).
TARGETS += table1
table1_GRID = patterns S1 S2 S3 R1 R2 R3 Inv, random patterns of seed 4
table1_OUTPUTS = $(if $(HAVE),$(OUT)/table1/table1.tsv) $(OUT)/table1/README

$(OUT)/table1/table1.tsv: $(call settings,table1)
	@mkdir -p $(@D)
	{ true; $(foreach d,$(HAVE),$(INJECT) --data $(DATA_$d) --norms --seed 4;) } | $(dedup) | $(atomic)
