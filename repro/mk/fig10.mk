# Fig. 10: occlusion sensitivity: the mean predicted probability of the
# true label of 500 training images as a growing share of their non-zero
# pixels is set to zero, for the clean model of every architecture of
# Fig. 9.
TARGETS += fig10
ifeq ($(PROFILE),paper)
fig10_FRACTIONS ?= 0:1:0.02
else
fig10_FRACTIONS ?= 0:1:0.1
endif
fig10_MODELS := $(foreach d,$(HAVE),$(foreach a,$(call archs,$d),$(call model,$d,$a,S3,0,0,0)))
fig10_GRID = clean models; 500 training images, seed 0, fractions $(fig10_FRACTIONS); $(foreach d,$(HAVE),$d: $(foreach a,$(call archs,$d),$a $(call recipe,$d,$a));)
fig10_OUTPUTS = $(if $(HAVE),$(addprefix $(OUT)/fig10/,scores.tsv fig10.png fig10.tsv)) $(OUT)/fig10/README

$(OUT)/fig10/scores.tsv: $(fig10_MODELS) $(call settings,fig10)
	@mkdir -p $(@D)
	{ true; $(foreach d,$(HAVE),$(SCORE) -q --device $(DEVICE) --data $(DATA_$d) --sensitivity --examples 500 --seed 0 \
	    --fractions $(fig10_FRACTIONS) $(filter $(MODELS)/$d/%,$(fig10_MODELS));) } | $(dedup) | $(atomic)
$(OUT)/fig10/fig10.png $(OUT)/fig10/fig10.tsv &: $(OUT)/fig10/scores.tsv
	$(VIZ) chart $< --x fraction --y mean_prob --series arch --panel name \
	  --xlabel 'share of non-zero pixels set to 0' --ylabel 'probability of the true label' \
	  --title 'Fig. 10: occlusion sensitivity' --data-out $(@D)/fig10.tsv -o $(@D)/fig10.png
