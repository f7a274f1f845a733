# Fig. 8: Fig. 2 with target class 1 (the clean models are Fig. 2's).
TARGETS += fig8
fig8_MODELS := $(call count_models,fig8,1)
fig8_GRID = $(subst target 0,target 1,$(fig2_GRID))
fig8_OUTPUTS = $(if $(HAVE),$(addprefix $(OUT)/fig8/,scores.tsv summary.tsv fig8.png fig8.tsv)) $(OUT)/fig8/README
$(eval $(call scores_rule,fig8,1,$(fig2_PATTERNS),$(fig2_SEEDS)))

$(OUT)/fig8/fig8.png $(OUT)/fig8/fig8.tsv &: $(OUT)/fig8/summary.tsv
	$(VIZ) chart $< --x count --y spurious_score --series pattern --panel name --category \
	  --xlabel 'spurious examples n' --ylabel 'spurious score (mean ± SE)' \
	  --title 'Fig. 8: spurious score, target class 1' --data-out $(@D)/fig8.tsv -o $(@D)/fig8.png
