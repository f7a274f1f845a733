# Fig. 13: the linear model's clean and spurious test accuracy and PD
# against gamma, (a)-(c) for input noise sigma^2 in {0, 0.1, 0.2, 0.3}
# (lambda = 0), (d)-(f) for the ridge parameter lambda in {0, 1, 10, 100}
# (no noise).  fig13.png holds (a)-(c), fig13-l2.png (d)-(f).
TARGETS += fig13
fig13_GRID = rsc-theory --preset fig13: |x_sp|^2 = 5, var_inv 0.5, var_sp 0.1, gamma 0:0.5:0.01
fig13_OUTPUTS = $(addprefix $(OUT)/fig13/,theory.tsv fig13.png fig13.tsv fig13-l2.png fig13-l2.tsv README)

$(OUT)/fig13/theory.tsv:
	@mkdir -p $(@D)
	$(THEORY) --preset fig13 | $(atomic)
$(OUT)/fig13/fig13.png $(OUT)/fig13/fig13.tsv &: $(OUT)/fig13/theory.tsv
	$(call melt,gamma lambda noise_var,clean_acc spurious_acc pd) $< | \
	  $(VIZ) chart --where lambda=0 --x gamma --y value --series noise_var --panel metric \
	  --xlabel 'γ' --ylabel '' --title 'Fig. 13(a)-(c): input noise σ², λ = 0' --data-out $(@D)/fig13.tsv -o $(@D)/fig13.png
$(OUT)/fig13/fig13-l2.png $(OUT)/fig13/fig13-l2.tsv &: $(OUT)/fig13/theory.tsv
	$(call melt,gamma lambda noise_var,clean_acc spurious_acc pd) $< | \
	  $(VIZ) chart --where noise_var=0 --x gamma --y value --series lambda --panel metric \
	  --xlabel 'γ' --ylabel '' --title 'Fig. 13(d)-(f): ridge λ, no noise' --data-out $(@D)/fig13-l2.tsv -o $(@D)/fig13-l2.png
