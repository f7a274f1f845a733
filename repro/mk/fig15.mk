# Fig. 15: Fig. 7 on every dataset with pattern R3; see fig7.mk.
TARGETS += fig15
fig15_MODELS := $(call reg_models,$(HAVE),R3)
fig15_GRID = R3; $(REG_GRID)
fig15_OUTPUTS = $(if $(HAVE),$(addprefix $(OUT)/fig15/,scores.tsv summary.tsv fig15.png fig15.tsv)) $(OUT)/fig15/README
$(eval $(call reg_rules,fig15,R3,Fig. 15: regularisation$(comma) R3))
