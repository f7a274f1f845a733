# Fig. 9: the spurious score against n for every architecture, patterns S3
# and R3, target class 0: the three MLPs and the CNN on MNIST and
# Fashion-MNIST, ResNet-20/32/110 and VGG16 on CIFAR-10.
TARGETS += fig9
ARCHS_mnist = mlp-small mlp mlp-large cnn
ARCHS_fashion = mlp-small mlp mlp-large cnn
ARCHS_cifar10 = resnet20 resnet32 resnet110 vgg16
archs = $(or $(ARCHS_$1),mlp-small mlp mlp-large cnn)
ifeq ($(PROFILE),paper)
fig9_COUNTS ?= $(fig2_COUNTS)
fig9_SEEDS ?= 0 1 2 3 4
else
fig9_COUNTS ?= 0 10 100
fig9_SEEDS ?= 0
endif
fig9_MODELS := $(foreach d,$(HAVE),$(foreach a,$(call archs,$d),$(call grid,$d,$a,S3 R3,0,$(or $(fig2_COUNTS_$d),$(fig9_COUNTS)),$(fig9_SEEDS))))
fig9_GRID = S3 and R3, n in $(fig9_COUNTS), seeds $(fig9_SEEDS), target 0; $(foreach d,$(HAVE),$d: $(foreach a,$(call archs,$d),$a $(call recipe,$d,$a));)
fig9_OUTPUTS = $(if $(HAVE),$(addprefix $(OUT)/fig9/,scores.tsv summary.tsv fig9.png fig9.tsv)) $(OUT)/fig9/README
$(eval $(call scores_rule,fig9,0,S3 R3,$(fig9_SEEDS)))

$(OUT)/fig9/fig9.png $(OUT)/fig9/fig9.tsv &: $(OUT)/fig9/summary.tsv
	$(call joincol,panel,name pattern) $< | $(VIZ) chart --x count --y spurious_score --series arch \
	  --panel panel --category --xlabel 'spurious examples n' --ylabel 'spurious score (mean ± SE)' \
	  --title 'Fig. 9: architectures, target class 0' --data-out $(@D)/fig9.tsv -o $(@D)/fig9.png
