# Fig. 6(c): the phase transition of the linear model at gamma = 0: clean
# and spurious test accuracy and the prediction difference PD against the
# fraction gamma of spurious training examples (closed form, rsc-theory).
# Panels (a) and (b) are drawings of the training distribution (see fig16).
TARGETS += fig6
fig6_GRID = rsc-theory --preset fig6c: |x_sp|^2 = 5, var_inv 0.5, var_sp 0.1, lambda 0, no noise, gamma 0:0.5:0.002
fig6_OUTPUTS = $(addprefix $(OUT)/fig6/,theory.tsv fig6.png fig6.tsv README)

$(OUT)/fig6/theory.tsv:
	@mkdir -p $(@D)
	$(THEORY) --preset fig6c | $(atomic)
$(OUT)/fig6/fig6.png $(OUT)/fig6/fig6.tsv &: $(OUT)/fig6/theory.tsv
	$(VIZ) chart $< --x gamma --y clean_acc,spurious_acc,pd --dashed spurious_acc \
	  --xlabel 'fraction of spurious examples γ' --ylabel 'accuracy, PD' \
	  --title 'Fig. 6(c): phase transition at γ = 0' --data-out $(@D)/fig6.tsv -o $(@D)/fig6.png
