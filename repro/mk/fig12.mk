# Fig. 12: with and without gradient clipping (each gradient element
# clipped to [-0.1, 0.1], as the reference code's clip_grad_value_; the
# paper's text says norm clipping), 3 and 10 spurious examples of S3 and
# R3, target class 0, the recipe's optimiser.
TARGETS += fig12
fig12_CLIP ?= --clip-value=0.1
fig12_MODELS := $(foreach d,$(HAVE),$(foreach f,none $(fig12_CLIP),\
	$(call grid,$d,$(call arch,$d),S3 R3,0,$(OPT_COUNTS),$(OPT_SEEDS),$(filter-out none,$f))))
fig12_GRID = S3 and R3, n in $(OPT_COUNTS), seeds $(OPT_SEEDS), target 0; $(foreach d,$(HAVE),$d: $(call arch,$d) $(call recipe,$d,$(call arch,$d)) with and without $(fig12_CLIP);)
fig12_OUTPUTS = $(if $(HAVE),$(addprefix $(OUT)/fig12/,scores.tsv summary.tsv fig12.png fig12.tsv)) $(OUT)/fig12/README
$(eval $(call scores_rule,fig12,0,S3 R3,$(OPT_SEEDS)))

$(OUT)/fig12/fig12.png $(OUT)/fig12/fig12.tsv &: $(OUT)/fig12/summary.tsv
	$(call joincol,case,pattern count) $< | $(VIZ) chart --x case --y spurious_score --series clip_value \
	  --panel name --kind bar --xlabel 'pattern and spurious examples' --ylabel 'spurious score (mean ± SE)' \
	  --title 'Fig. 12: with and without gradient clipping' --data-out $(@D)/fig12.tsv -o $(@D)/fig12.png
