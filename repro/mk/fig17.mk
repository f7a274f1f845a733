# Fig. 17: Fig. 13 at a low (||x_sp||^2 / sigma_sp^2 = 10) and a high
# (500) spurious signal-to-noise ratio: fig17.png input noise (lambda = 0),
# fig17-l2.png the ridge parameter (no noise); one panel per metric and SNR.
TARGETS += fig17
fig17_GRID = rsc-theory --preset fig17: |x_sp|^2 = 5, var_inv 0.5, var_sp 0.5 (SNR 10) and 0.01 (SNR 500), gamma 0:0.5:0.01
fig17_OUTPUTS = $(addprefix $(OUT)/fig17/,theory.tsv fig17.png fig17.tsv fig17-l2.png fig17-l2.tsv README)
# metric and SNR as one panel column
fig17_panels = $(call melt,gamma lambda noise_var var_sp,clean_acc spurious_acc pd) $(OUT)/fig17/theory.tsv | \
	awk -F'\t' -v OFS='\t' 'NR == 1 { print $$0, "panel"; next } { print $$0, $$5 ($$4 == 0.5 ? ", SNR 10" : ", SNR 500") }'

$(OUT)/fig17/theory.tsv:
	@mkdir -p $(@D)
	$(THEORY) --preset fig17 | $(atomic)
$(OUT)/fig17/fig17.png $(OUT)/fig17/fig17.tsv &: $(OUT)/fig17/theory.tsv
	$(fig17_panels) | $(VIZ) chart --where lambda=0 --x gamma --y value --series noise_var --panel panel \
	  --xlabel 'γ' --ylabel '' --title 'Fig. 17(a)-(f): input noise σ², λ = 0' --data-out $(@D)/fig17.tsv -o $(@D)/fig17.png
$(OUT)/fig17/fig17-l2.png $(OUT)/fig17/fig17-l2.tsv &: $(OUT)/fig17/theory.tsv
	$(fig17_panels) | $(VIZ) chart --where noise_var=0 --x gamma --y value --series lambda --panel panel \
	  --xlabel 'γ' --ylabel '' --title 'Fig. 17(g)-(l): ridge λ, no noise' --data-out $(@D)/fig17-l2.tsv -o $(@D)/fig17-l2.png
