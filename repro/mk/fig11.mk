# Fig. 11: SGD against Adam: the spurious score with 3 and 10 spurious
# examples of S3 and R3, target class 0.  MNIST and Fashion-MNIST: the
# MLP with Adam (lr 0.01, the recipe) and with SGD (lr 0.01, momentum
# 0.9); CIFAR-10: ResNet-20 with SGD (lr 0.1, the recipe) and Adam (lr 0.01).
TARGETS += fig11
ifeq ($(PROFILE),paper)
OPT_SEEDS ?= 0 1 2 3 4
else
OPT_SEEDS ?= 0 1
endif
OPT_COUNTS ?= 3 10
OTHER_OPT_mnist = --optimizer=sgd --momentum=0.9
OTHER_OPT_fashion = --optimizer=sgd --momentum=0.9
OTHER_OPT_cifar10 = --optimizer=adam --lr=0.01 --momentum=0
fig11_MODELS := $(foreach d,$(HAVE),$(foreach f,none $(subst $(space),:,$(or $(OTHER_OPT_$d),$(OTHER_OPT_fashion))),\
	$(call grid,$d,$(call arch,$d),S3 R3,0,$(OPT_COUNTS),$(OPT_SEEDS),$(subst :, ,$(filter-out none,$f)))))
fig11_GRID = S3 and R3, n in $(OPT_COUNTS), seeds $(OPT_SEEDS), target 0; $(foreach d,$(HAVE),$d: $(call arch,$d) $(call recipe,$d,$(call arch,$d)) against $(or $(OTHER_OPT_$d),$(OTHER_OPT_fashion));)
fig11_OUTPUTS = $(if $(HAVE),$(addprefix $(OUT)/fig11/,scores.tsv summary.tsv fig11.png fig11.tsv)) $(OUT)/fig11/README
$(eval $(call scores_rule,fig11,0,S3 R3,$(OPT_SEEDS)))

$(OUT)/fig11/fig11.png $(OUT)/fig11/fig11.tsv &: $(OUT)/fig11/summary.tsv
	$(call joincol,case,pattern count) $< | $(VIZ) chart --x case --y spurious_score --series optimizer \
	  --panel name --kind bar --xlabel 'pattern and spurious examples' --ylabel 'spurious score (mean ± SE)' \
	  --title 'Fig. 11: SGD against Adam' --data-out $(@D)/fig11.tsv -o $(@D)/fig11.png
