# LiRA (beyond the paper): the likelihood-ratio membership inference of
# Carlini et al. (2022) against a model trained with R3 in n images of
# class 0.  Per dataset, n and seed, rsc-inject --mia-split lira halves a
# pool (--split-seed = the seed) K + 1 ways: half 0 trains the target
# (its n spurious images chosen among them), halves 1 to K the shadows
# (with the pattern on the spurious images they hold).  Each of the K + 1
# models is its own file; rsc-mia --attack lira (online) and lira-offline
# score the target (model 0: rsc-mia scores the family's target) with the
# K shadows.  The report adds tpr_at_1pct_spurious to rsc-mia's columns
# (from its --scores), so that the TPR at 1 % and 0.1 % FPR is given for
# the spurious examples and for all.  The quick profile halves a pool of
# 10000 with 8 shadows and trains 20 epochs; the paper's profile the
# whole pool with 16 shadows and each dataset's recipe.
TARGETS += lira
MIA := $(call rsc,mia)
ifeq ($(PROFILE),paper)
lira_COUNTS ?= 1 3 10 100
lira_SEEDS ?= 1 2 3 4 5
lira_SHADOWS ?= 16
lira_POOL ?= 0
lira_EPOCHS ?=
else
lira_COUNTS ?= 1 10 100
lira_SEEDS ?= 1 2 3
lira_SHADOWS ?= 8
lira_POOL ?= 10000
lira_EPOCHS ?= 20
endif
# the split's flags (the family of a dataset, n and seed), rsc-train's
lira_inject = --data $(DATA_$1) --mia-split lira --pattern R3 --count $2 --target 0 --seed $3 \
	--split-seed $3 $(if $(filter-out 0,$(lira_POOL)),--pool-size $(lira_POOL))
lira_recipe = $(if $(lira_EPOCHS),--epochs=$(lira_EPOCHS) $(or $(RECIPE_$1_$2),$(RECIPE_$1)),$(call recipe,$1,$2))
lira_tag = +pool_$(lira_POOL)$(call tag,$(call lira_recipe,$1,$(call arch,$1)))
lira_dir = $(MODELS)/$1/$(call arch,$1)
# $(call lira_model,DATA,N,SEED,K): model K of the family (0: the target),
# trained with --train-seed K.  Half K does not depend on how many shadows
# are made, so rsc-inject writes halves 0 to K (at least 1) to a temporary
# folder beside the model, and the model trains on half K.
lira_model = $(call trained,$(call lira_dir,$1)/lira-R3-t0-n$2-s$3-k$4$(call lira_tag,$1).rsct,\
	t=$$$$(mktemp -d $(call lira_dir,$1)/.lira-XXXXXX) && trap 'rm -rf "$$$$t"' EXIT && \
	$(INJECT) -q $(call lira_inject,$1,$2,$3) --shadows $(or $(filter-out 0,$4),1) -o "$$$$t/d-%d.rsct" && \
	$(TRAIN) -q --arch $(call arch,$1) --threads $(THREADS) --device $(DEVICE) --train-seed $4 \
	  $(call lira_recipe,$1,$(call arch,$1)) "$$$$t/d-$4.rsct")
lira_K = $(shell seq $(lira_SHADOWS))
lira_MODELS := $(foreach d,$(HAVE),$(foreach s,$(lira_SEEDS),$(foreach n,$(lira_COUNTS),\
	$(foreach k,0 $(lira_K),$(call lira_model,$d,$n,$s,$k)))))
lira_GRID = pattern R3; n in $(lira_COUNTS); seeds (split, examples) $(lira_SEEDS); target 0; $(lira_SHADOWS) shadows; pool $(if $(filter-out 0,$(lira_POOL)),$(lira_POOL),all) in halves; $(foreach d,$(HAVE),$d: $(call arch,$d) $(call lira_recipe,$d,$(call arch,$d));)
lira_OUTPUTS = $(if $(HAVE),$(addprefix $(OUT)/lira/,mia.tsv summary.tsv lira.png lira.tsv)) $(OUT)/lira/README

# The TPR at FPR F of the examples of column C (member or spurious) of an
# rsc-mia --scores file: every example scored above the largest share of
# non-members at most F (ties go together), as rsc-mia's tpr_at_* columns.
lira_tpr = sed -n 's/.*"member":\([01]\),"spurious":\([01]\),"score":\([-0-9][^,}]*\).*/\1 \2 \3/p' $1 | \
	sort -k3,3gr | awk -v f=$2 -v c=$(if $(filter spurious,$3),2,1) \
	'{ m[NR] = $$1; e[NR] = $$c; s[NR] = $$3; N += !$$1; P += $$c } \
	 END { q = int(f * N + 1e-9); fp = hit = 0; \
	   for (i = 1; i <= NR; i = j) { nf = ne = 0; \
	     for (j = i; j <= NR && s[j] == s[i]; j++) { nf += !m[j]; ne += e[j] } \
	     if (fp + nf > q) break; fp += nf; hit += ne } \
	   print P ? hit / P : "nan" }'
# Each family made again in a temporary folder (the split is deterministic),
# each attack's row with tpr_at_1pct_spurious appended: shell lines
# printing the rows.
lira_attack = $(foreach d,$(HAVE),$(foreach s,$(lira_SEEDS),$(foreach n,$(lira_COUNTS),\
	$(INJECT) -q $(call lira_inject,$d,$n,$s) --shadows $(lira_SHADOWS) -o "$$t/d-%d.rsct" && \
	$(foreach a,lira lira-offline,$(MIA) -q --threads $(THREADS) --device $(DEVICE) --attack $a \
	  --scores "$$t/scores" -d "$$t/d-0.rsct" \
	  $(foreach k,$(lira_K),--shadow-model $(call lira_model,$d,$n,$s,$k) --shadow-data "$$t/d-$k.rsct") \
	  $(call lira_model,$d,$n,$s,0) >"$$t/row" && \
	  v=$$($(call lira_tpr,"$$t/scores",0.01,spurious)) && \
	  awk -F'\t' -v OFS='\t' -v v="$$v" 'NR == 1 { print $$0, "tpr_at_1pct_spurious"; next } { print $$0, v }' "$$t/row" &&) true &&))) true
lira_METRICS = attack_acc,attack_bacc,attack_acc_spurious,auc,advantage,tpr_at_1pct,tpr_at_0.1pct,tpr_at_1pct_spurious,tpr_at_0.1pct_spurious,C,n_unscored,n_members,n_nonmembers,n_spurious
$(OUT)/lira/mia.tsv: $(lira_MODELS) $(call settings,lira)
	@mkdir -p $(@D)
	t=$$(mktemp -d) && trap 'rm -rf "$$t"' EXIT && { $(lira_attack); } >"$$t/rows" && \
	$(dedup) "$$t/rows" | $(atomic)
# n_members and the like vary with the unscored examples: metrics, not keys
$(OUT)/lira/summary.tsv: $(OUT)/lira/mia.tsv
	$(SCORE) --aggregate --metrics $(lira_METRICS) $< | $(atomic)
$(OUT)/lira/lira.png $(OUT)/lira/lira.tsv &: $(OUT)/lira/summary.tsv
	$(call joincol,panel,name attack) $< | \
	$(VIZ) chart - --x count --y tpr_at_0.1pct,tpr_at_0.1pct_spurious,tpr_at_1pct,tpr_at_1pct_spurious \
	  --dashed tpr_at_1pct,tpr_at_1pct_spurious --panel panel --category \
	  --xlabel 'spurious examples n' --ylabel 'TPR at 0.1 % and 1 % FPR (mean ± SE)' \
	  --title 'LiRA: true positives at low false positives, all vs spurious examples (R3, class 0)' \
	  --data-out $(@D)/lira.tsv -o $(@D)/lira.png
