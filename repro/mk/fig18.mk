# Fig. 18 (App. E): data deletion.  The paper's MLP trained with pattern
# R3 in n images of class 0, then the n spurious images deleted three ways
# by rsc-delete: incremental retraining (the model's training continued
# without them at its last rate), first-order group influence (LiSSA) and
# exact retraining (a fresh training without them, the method's ideal);
# the spurious score of the original and the three deleted models per n,
# mean and standard error over seeds, beside the clean model's level
# (n = 0).  The quick profile trains 6 epochs with the rate divided by 10
# at epochs 3, 4 and 5 (so that retraining continues at 1e-5 as in the
# paper), retrains 6 epochs and runs LiSSA at depth 200 with 2 repeats;
# the paper's profile is the reference: Fig. 2's models (70 epochs, rate
# divided at 40, 50 and 60), 70 more epochs, rsc-delete's LiSSA defaults
# per dataset.  Each dataset's architecture is Fig. 2's (CIFAR-10: resnet20,
# whose influence products are exact too).
TARGETS += fig18
DELETE := $(call rsc,delete)
fig18_DATA := $(HAVE)
ifeq ($(PROFILE),paper)
fig18_COUNTS ?= 3 5 10 20 100
fig18_SEEDS ?= 0 1 2 3 4
fig18_RETRAIN ?= 70
fig18_LISSA ?=
fig18_recipe = $(call recipe,$1,$(call arch,$1))
else
fig18_COUNTS ?= 3 5 10 20 100
fig18_SEEDS ?= 0 1
fig18_EPOCHS ?= 6
fig18_MILESTONES ?= 3,4,5
fig18_RETRAIN ?= 6
fig18_LISSA ?= --depth=200 --repeats=2
fig18_recipe = --epochs=$(fig18_EPOCHS) --milestones=$(fig18_MILESTONES) $(or $(RECIPE_$1_$(call arch,$1)),$(RECIPE_$1))
endif
# rsc-delete's flags per method (they name the deleted model)
fig18_METHODS = exact retrain influence
fig18_flags_exact = --method=exact
fig18_flags_retrain = --method=retrain --epochs=$(fig18_RETRAIN)
fig18_flags_influence = --method=influence $(fig18_LISSA)

# $(call fig18_original,DATA,N,SEED): the trained model (N 0: the clean
# one); in the paper's profile the file of Fig. 2's grid.
fig18_original = $(call trained,$(MODELS)/$1/$(call arch,$1)/$(if $(filter 0,$2),n0,R3-t0-n$2-s$3)$(call tag,$(call fig18_recipe,$1)).rsct,\
	$(INJECT) -q $(call inject_args,$1,$(call arch,$1),R3,0,$2,$3) | \
	$(TRAIN) -q --arch $(call arch,$1) --threads $(THREADS) --device $(DEVICE) $(call fig18_recipe,$1))
# $(call fig18_deleted,DATA,N,SEED,METHOD): the model after the deletion,
# in delete/ beside the original, named by it and the method's flags; its
# rsc-delete report is the same name in .tsv.  The injected dataset is
# made again (rsc-inject is deterministic) in a temporary folder; retrain
# and influence are measured against the exact model (--reference).
fig18_orig_name = $(basename $(notdir $(call fig18_original,$1,$2,$3)))
fig18_deleted_file = $(MODELS)/$1/$(call arch,$1)/delete/$(call fig18_orig_name,$1,$2,$3)$(call tag,$(fig18_flags_$4)).rsct
fig18_deleted = $(call trained,$(call fig18_deleted_file,$1,$2,$3,$4),\
	t=$$$$(mktemp -d $(MODELS)/$1/$(call arch,$1)/delete/.tmp-XXXXXX) && trap 'rm -rf "$$$$t"' EXIT && \
	$(INJECT) -q $(call inject_args,$1,$(call arch,$1),R3,0,$2,$3) -o "$$$$t/d.rsct" && \
	$(DELETE) -q --threads $(THREADS) --device $(DEVICE) $(fig18_flags_$4) -d "$$$$t/d.rsct" -o "$$$$t/m.rsct" \
	  --report $(basename $(call fig18_deleted_file,$1,$2,$3,$4)).tsv \
	  $(if $(filter-out exact,$4),--reference $(call fig18_deleted_file,$1,$2,$3,exact)) \
	  $(call fig18_original,$1,$2,$3) && cat "$$$$t/m.rsct",\
	$(call fig18_original,$1,$2,$3) $(if $(filter-out exact,$4),$(call fig18_deleted,$1,$2,$3,exact)))

fig18_CLEAN := $(foreach d,$(fig18_DATA),$(call fig18_original,$d,0,0))
fig18_DELETED := $(foreach d,$(fig18_DATA),$(foreach n,$(fig18_COUNTS),$(foreach s,$(fig18_SEEDS),\
	$(foreach m,$(fig18_METHODS),$(call fig18_deleted,$d,$n,$s,$m)))))
fig18_MODELS := $(fig18_CLEAN) $(foreach d,$(fig18_DATA),$(foreach n,$(fig18_COUNTS),$(foreach s,$(fig18_SEEDS),\
	$(call fig18_original,$d,$n,$s)))) $(fig18_DELETED)
fig18_REPORTS = $(fig18_DELETED:.rsct=.tsv)
fig18_GRID = pattern R3; n in $(fig18_COUNTS); seeds $(fig18_SEEDS); target 0; methods $(fig18_METHODS) (retrain $(fig18_RETRAIN) epochs; influence $(or $(fig18_LISSA),rsc-delete's LiSSA defaults)); $(foreach d,$(fig18_DATA),$d: $(call arch,$d) $(call fig18_recipe,$d);)
fig18_OUTPUTS = $(if $(fig18_DATA),$(addprefix $(OUT)/fig18/,reports.tsv reports-summary.tsv clean.tsv scores.tsv summary.tsv fig18.png fig18.tsv)) \
	$(OUT)/fig18/README

# Every deletion's report (written beside its model by the same command),
# the model column naming the deleted model; their means per method and n.
$(OUT)/fig18/reports.tsv: $(fig18_DELETED) $(call settings,fig18)
	@mkdir -p $(@D)
	@for f in $(fig18_REPORTS); do [ -f "$$f" ] || { \
	  echo "fig18: $$f is missing: remove $${f%.tsv}.rsct to make both again" >&2; exit 1; }; done
	awk -F'\t' -v OFS='\t' 'FNR == 1 { if (NR == 1) print; next } \
	  { m = FILENAME; sub(/\.tsv$$/, ".rsct", m); $$1 = m; print }' $(fig18_REPORTS) | $(atomic)
$(OUT)/fig18/reports-summary.tsv: $(OUT)/fig18/reports.tsv
	$(SCORE) --aggregate --metrics spurious_score_before,spurious_score,clean_acc,ua,ra,l2_to_exact,score_gap_to_exact,seconds \
	  $< | $(atomic)
# The clean models scored against R3 drawn with every seed (the n = 0 level).
$(OUT)/fig18/clean.tsv: $(fig18_CLEAN) $(call settings,fig18)
	@mkdir -p $(@D)
	{ true; $(foreach d,$(fig18_DATA),$(call score,$d,$(filter $(MODELS)/$d/%,$(fig18_CLEAN)),0,R3,$(fig18_SEEDS))) } | \
	  $(dedup) | $(atomic)
# The plotted rows: name, count, method, seed, spurious_score, with the
# original model (the exact report's spurious_score_before) and the clean
# level (method n=0, count 0) as methods of their own.
$(OUT)/fig18/scores.tsv: $(OUT)/fig18/reports.tsv $(OUT)/fig18/clean.tsv
	awk -F'\t' -v OFS='\t' 'FNR == 1 { delete c; for (i = 1; i <= NF; i++) c[$$i] = i; \
	    if (NR == 1) print "name", "count", "method", "seed", "spurious_score"; next } \
	  FILENAME ~ /reports/ { print $$c["name"], $$c["count"], $$c["method"], $$c["seed"], $$c["spurious_score"]; \
	    if ($$c["method"] == "exact") print $$c["name"], $$c["count"], "original", $$c["seed"], $$c["spurious_score_before"]; next } \
	  { print $$c["name"], 0, "n=0", $$c["pattern_seed"], $$c["spurious_score"] }' $^ | $(atomic)
$(OUT)/fig18/summary.tsv: $(OUT)/fig18/scores.tsv
	$(SCORE) --aggregate --metrics spurious_score $< | $(atomic)
$(OUT)/fig18/fig18.png $(OUT)/fig18/fig18.tsv &: $(OUT)/fig18/summary.tsv
	$(VIZ) chart $< --x count --y spurious_score --series method --panel name --category \
	  --xlabel 'spurious examples n (n = 0: trained without them)' --ylabel 'spurious score (mean ± SE)' \
	  --title 'Fig. 18: data deletion, R3, class 0' --data-out $(@D)/fig18.tsv -o $(@D)/fig18.png
