# Fig. 16: the paper draws the training and test distributions of its
# linear model (sketches, not data).  Here the same distributions are
# sampled: ridge regression fitted on finite training sets drawn from
# D_train, tested on fresh draws of D_ctest and D_stest, next to the
# closed form (rsc-theory --simulate).
TARGETS += fig16
ifeq ($(PROFILE),paper)
fig16_SIM = --simulate 20000 --trials 20
else
fig16_SIM = --simulate 2000 --trials 5
endif
fig16_GRID = rsc-theory --preset fig6c --gamma 0:0.5:0.05 $(fig16_SIM) --seed 0
fig16_OUTPUTS = $(addprefix $(OUT)/fig16/,theory.tsv fig16.png fig16.tsv README)

$(OUT)/fig16/theory.tsv: $(call settings,fig16)
	@mkdir -p $(@D)
	$(THEORY) -q --preset fig6c --gamma 0:0.5:0.05 $(fig16_SIM) --seed 0 | $(atomic)
$(OUT)/fig16/fig16.png $(OUT)/fig16/fig16.tsv &: $(OUT)/fig16/theory.tsv
	$(VIZ) chart $< --x gamma --y clean_acc,sim_clean_acc,spurious_acc,sim_spurious_acc \
	  --dashed sim_clean_acc,sim_spurious_acc \
	  --xlabel 'fraction of spurious examples γ' --ylabel 'test accuracy' \
	  --title 'Fig. 16: D_ctest and D_stest, closed form and sampled' --data-out $(@D)/fig16.tsv -o $(@D)/fig16.png
