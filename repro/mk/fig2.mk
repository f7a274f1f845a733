# Fig. 2: the spurious score against the number n of spurious training
# examples, per pattern and dataset, target class 0 (the paper's MLP on
# MNIST and Fashion-MNIST, ResNet-20 on CIFAR-10).  Fig. 5 and Fig. 8 use
# the same grid (fig5.mk, fig8.mk).
TARGETS += fig2
ifeq ($(PROFILE),paper)
fig2_PATTERNS ?= S1 S2 S3 R1 R2 R3 Inv
fig2_COUNTS ?= 0 1 3 5 10 20 100 2000 5000
fig2_COUNTS_cifar10 ?= 0 1 3 5 10 20 100 500 1000
fig2_SEEDS ?= 0 1 2 3 4
else
fig2_PATTERNS ?= S1 S2 S3 R1 R2 R3 Inv
fig2_COUNTS ?= 0 1 10 100
fig2_COUNTS_cifar10 ?= 0 10 100
fig2_SEEDS ?= 0 1
endif
# $(call count_models,TARGET,CLASS): the grid of Figs. 2 and 8 for class CLASS
count_models = $(foreach d,$(HAVE),$(call grid,$d,$(call arch,$d),$(fig2_PATTERNS),$2,$(or $(fig2_COUNTS_$d),$(fig2_COUNTS)),$(fig2_SEEDS)))
fig2_MODELS := $(call count_models,fig2,0)
fig2_GRID = patterns $(fig2_PATTERNS); n in $(fig2_COUNTS) (CIFAR-10: $(fig2_COUNTS_cifar10)); seeds $(fig2_SEEDS); target 0; $(foreach d,$(HAVE),$d: $(call arch,$d) $(call recipe,$d,$(call arch,$d));)
fig2_OUTPUTS = $(if $(HAVE),$(addprefix $(OUT)/fig2/,scores.tsv summary.tsv fig2.png fig2.tsv)) $(OUT)/fig2/README
$(eval $(call scores_rule,fig2,0,$(fig2_PATTERNS),$(fig2_SEEDS)))

$(OUT)/fig2/fig2.png $(OUT)/fig2/fig2.tsv &: $(OUT)/fig2/summary.tsv
	$(VIZ) chart $< --x count --y spurious_score --series pattern --panel name --category \
	  --xlabel 'spurious examples n' --ylabel 'spurious score (mean ± SE)' \
	  --title 'Fig. 2: spurious score, target class 0' --data-out $(@D)/fig2.tsv -o $(@D)/fig2.png
