# Fig. 5: the spurious test accuracy of Fig. 2's models.
TARGETS += fig5
fig5_MODELS = $(fig2_MODELS)
fig5_GRID = $(fig2_GRID)
fig5_OUTPUTS = $(if $(HAVE),$(addprefix $(OUT)/fig5/,scores.tsv fig5.png fig5.tsv)) $(OUT)/fig5/README

$(OUT)/fig5/scores.tsv: $(OUT)/fig2/scores.tsv
	@mkdir -p $(@D)
	cat $< | $(atomic)
$(OUT)/fig5/fig5.png $(OUT)/fig5/fig5.tsv &: $(OUT)/fig2/summary.tsv
	@mkdir -p $(@D)
	$(VIZ) chart $< --x count --y spurious_acc --series pattern --panel name --category \
	  --xlabel 'spurious examples n' --ylabel 'spurious test accuracy (mean ± SE)' \
	  --title 'Fig. 5: spurious test accuracy, target class 0' --data-out $(@D)/fig5.tsv -o $(@D)/fig5.png
