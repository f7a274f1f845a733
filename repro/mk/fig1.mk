# Fig. 1: one test image without and with each of the seven patterns.
TARGETS += fig1
fig1_GRID = the first test image; S1 S2 S3 R1 R2 R3 Inv (R1-R3 of seed 0)
fig1_OUTPUTS = $(foreach d,$(HAVE),$(OUT)/fig1/fig1-$d.png) $(OUT)/fig1/README

$(OUT)/fig1/fig1-%.png:
	@mkdir -p $(@D)
	$(VIZ) patterns --data $(DATA_$*) --index 0 --seed 0 -o $@
