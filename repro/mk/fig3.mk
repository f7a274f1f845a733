# Fig. 3: the first-layer weight importance of MLPs trained with 0, 10,
# 100 and 2000 S3 examples (MNIST in the paper; the first of MNIST and
# Fashion-MNIST that is installed here).
TARGETS += fig3
fig3_DATA := $(firstword $(filter mnist,$(GREY)) $(GREY))
fig3_COUNTS ?= 0 10 100 2000
fig3_MODELS := $(if $(fig3_DATA),$(foreach n,$(fig3_COUNTS),$(call model,$(fig3_DATA),mlp,S3,0,$n,0)))
fig3_GRID = $(fig3_DATA), mlp $(call recipe,$(fig3_DATA),mlp), S3, target 0, n in $(fig3_COUNTS), seed 0
fig3_OUTPUTS = $(if $(fig3_DATA),$(addprefix $(OUT)/fig3/,scores.tsv summary.tsv fig3.png fig3.tsv)) $(OUT)/fig3/README
$(eval $(call scores_rule,fig3,0,S3,0))

$(OUT)/fig3/fig3.png $(OUT)/fig3/fig3.tsv &: $(fig3_MODELS)
	@mkdir -p $(@D)
	$(VIZ) importance $(fig3_MODELS) --title '$(TITLE_$(fig3_DATA)), S3: first-layer importance' \
	  --data-out $(@D)/fig3.tsv -o $(@D)/fig3.png
