# Fig. 4: membership inference (Sec. 3.4, App. B.2).  The pool of each
# dataset's training and test images split four ways per seed
# (rsc-inject --mia-split, --split-seed = the seed): a target model trained
# on target-train with R3 in n images of class 0, a shadow model on
# shadow-train (one per seed, shared by every n); the paper's attack
# (rsc-mia) fitted on the shadow, its accuracy on target-train against
# target-test, on all examples and on the spurious ones.  The quick profile
# splits a pool of 20000 (quarters of 5000) and trains 20 epochs, so that
# the models overfit as the paper's do; the paper's profile splits the
# whole pool and trains with the paper's recipe.
TARGETS += fig4
MIA := $(call rsc,mia)
ifeq ($(PROFILE),paper)
fig4_COUNTS ?= 1 3 5 10 20 100 1000
fig4_SEEDS ?= 1 2 3 4 5 6 7 8 9 10
fig4_POOL ?= 0
fig4_EPOCHS ?=
else
fig4_COUNTS ?= 1 3 10 100
fig4_SEEDS ?= 1 2 3
fig4_POOL ?= 20000
fig4_EPOCHS ?= 20
endif
# the split's flags, and rsc-train's (the dataset's recipe; quick: its own epochs)
fig4_split = --split-seed $2 $(if $(filter-out 0,$(fig4_POOL)),--pool-size $(fig4_POOL))
fig4_recipe = $(if $(fig4_EPOCHS),--epochs=$(fig4_EPOCHS) $(or $(RECIPE_$1_$2),$(RECIPE_$1)),$(call recipe,$1,$2))
fig4_train = --arch $(call arch,$1) --threads $(THREADS) --device $(DEVICE) --train-seed $2 \
	$(call fig4_recipe,$1,$(call arch,$1))
fig4_tag = +pool_$(fig4_POOL)$(call tag,$(call fig4_recipe,$1,$(call arch,$1)))
# $(call fig4_shadow,DATA,SEED), $(call fig4_target,DATA,N,SEED): the models
fig4_shadow = $(call trained,$(MODELS)/$1/$(call arch,$1)/mia-shadow-s$2$(call fig4_tag,$1).rsct,\
	$(INJECT) -q --data $(DATA_$1) --mia-split shadow $(call fig4_split,$1,$2) | $(TRAIN) -q $(call fig4_train,$1,$2))
fig4_target = $(call trained,$(MODELS)/$1/$(call arch,$1)/mia-target-R3-t0-n$2-s$3$(call fig4_tag,$1).rsct,\
	$(INJECT) -q --data $(DATA_$1) --mia-split target --pattern R3 --count $2 --target 0 --seed $3 \
	$(call fig4_split,$1,$3) | $(TRAIN) -q $(call fig4_train,$1,$3))
fig4_MODELS := $(foreach d,$(HAVE),$(foreach s,$(fig4_SEEDS),$(call fig4_shadow,$d,$s) \
	$(foreach n,$(fig4_COUNTS),$(call fig4_target,$d,$n,$s))))
fig4_GRID = pattern R3; n in $(fig4_COUNTS); seeds (split, examples, training) $(fig4_SEEDS); target 0; pool $(if $(filter-out 0,$(fig4_POOL)),$(fig4_POOL),all) split in four; $(foreach d,$(HAVE),$d: $(call arch,$d) $(call fig4_recipe,$d,$(call arch,$d));)
fig4_OUTPUTS = $(if $(HAVE),$(addprefix $(OUT)/fig4/,mia.tsv summary.tsv fig4.png fig4.tsv)) $(OUT)/fig4/README

# The attack on every target, its datasets made again (the split is
# deterministic) in a temporary folder: shell lines printing the rows
# (collected in a file first, so that a failing attack fails the rule).
fig4_attack = $(foreach d,$(HAVE),$(foreach s,$(fig4_SEEDS),\
	$(INJECT) -q --data $(DATA_$d) --mia-split shadow $(call fig4_split,$d,$s) -o "$$t/s.rsct" && \
	$(foreach n,$(fig4_COUNTS),$(INJECT) -q --data $(DATA_$d) --mia-split target --pattern R3 --count $n --target 0 --seed $s \
	  $(call fig4_split,$d,$s) -o "$$t/t.rsct" && \
	  $(MIA) -q --threads $(THREADS) --device $(DEVICE) -d "$$t/t.rsct" --shadow-model $(call fig4_shadow,$d,$s) \
	  --shadow-data "$$t/s.rsct" $(call fig4_target,$d,$n,$s) &&) true &&)) true
$(OUT)/fig4/mia.tsv: $(fig4_MODELS) $(call settings,fig4)
	@mkdir -p $(@D)
	t=$$(mktemp -d) && trap 'rm -rf "$$t"' EXIT && { $(fig4_attack); } >"$$t/rows" && \
	$(dedup) "$$t/rows" | $(atomic)
$(OUT)/fig4/summary.tsv: $(OUT)/fig4/mia.tsv
	$(SCORE) --aggregate $< | $(atomic)
$(OUT)/fig4/fig4.png $(OUT)/fig4/fig4.tsv &: $(OUT)/fig4/summary.tsv
	$(VIZ) chart $< --x count --y attack_acc,attack_acc_spurious --panel name --category \
	  --xlabel 'spurious examples n' --ylabel 'attack accuracy (mean ± SE)' \
	  --title 'Fig. 4: membership inference, all vs spurious examples (R3, class 0)' \
	  --data-out $(@D)/fig4.tsv -o $(@D)/fig4.png
