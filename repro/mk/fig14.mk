# Fig. 14: Fig. 7 on every dataset (pattern S3); see fig7.mk.
TARGETS += fig14
fig14_MODELS := $(call reg_models,$(HAVE),S3)
fig14_GRID = S3; $(REG_GRID)
fig14_OUTPUTS = $(if $(HAVE),$(addprefix $(OUT)/fig14/,scores.tsv summary.tsv fig14.png fig14.tsv)) $(OUT)/fig14/README
$(eval $(call reg_rules,fig14,S3,Fig. 14: regularisation$(comma) S3))
