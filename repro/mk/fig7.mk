# Figs. 7, 14 and 15: the spurious score, clean and spurious test accuracy
# against the strength of three regularisers (Gaussian input noise, weight
# decay, gradient clipping by value), averaged over n in 1 ... 100 and the
# seeds, target class 0.  Fig. 7 is Fashion-MNIST with S3, Fig. 14 every
# dataset with S3, Fig. 15 every dataset with R3.  The strength 0 of each
# is the unregularised model.
TARGETS += fig7
ifeq ($(PROFILE),paper)
REG_COUNTS ?= 1 3 5 10 20 100
REG_SEEDS ?= 0 1 2 3 4
REG_NOISE ?= 0.05 0.1 0.2 0.3 0.5
REG_DECAY ?= 0.0001 0.001 0.01 0.1
REG_CLIP ?= 1 0.1 0.01
else
REG_COUNTS ?= 3 10 100
REG_SEEDS ?= 0
REG_NOISE ?= 0.1 0.3
REG_DECAY ?= 0.001 0.01
REG_CLIP ?= 0.1 0.01
endif
REG_FLAGS = $(addprefix --input-noise=,$(REG_NOISE)) $(addprefix --weight-decay=,$(REG_DECAY)) \
	$(addprefix --clip-value=,$(REG_CLIP))
# $(call reg_models,DATASETS,PATTERN): the models of one pattern
reg_models = $(foreach d,$1,$(foreach f,none $(REG_FLAGS),$(call grid,$d,$(call arch,$d),$2,0,$(REG_COUNTS),$(REG_SEEDS),$(filter-out none,$f))))
REG_GRID = n in $(REG_COUNTS), seeds $(REG_SEEDS), target 0; input noise sigma $(REG_NOISE); weight decay $(REG_DECAY); clip value $(REG_CLIP); each alone
# $(call reg_rules,TARGET,PATTERN,TITLE): scores, summary and the chart
define reg_rules
$$(eval $$(call scores_rule,$1,0,$2,$(REG_SEEDS)))
$(OUT)/$1/$1.png $(OUT)/$1/$1.tsv &: $(OUT)/$1/summary.tsv
	$$(call joincol,panel,name) $$< | $(VIZ) chart --x input_noise,weight_decay,clip_value \
	  --y spurious_score,clean_acc,spurious_acc --dashed spurious_acc --category \
	  --title '$3' --ylabel 'mean over n and seeds' --data-out $(OUT)/$1/$1.tsv -o $(OUT)/$1/$1.png
endef
fig7_DATA := $(filter fashion,$(HAVE))
fig7_MODELS := $(call reg_models,$(fig7_DATA),S3)
fig7_GRID = fashion, mlp $(call recipe,fashion,mlp), S3; $(REG_GRID)
fig7_OUTPUTS = $(if $(fig7_DATA),$(addprefix $(OUT)/fig7/,scores.tsv summary.tsv fig7.png fig7.tsv)) $(OUT)/fig7/README
$(eval $(call reg_rules,fig7,S3,Fig. 7: regularisation on Fashion-MNIST$(comma) S3))
