# Table 2: the number of parameters of every architecture, from
# rsc-train --describe, next to the paper's.
TARGETS += table2
table2_GRID = mlp-small mlp mlp-large cnn resnet20 resnet32 resnet110 vgg16
table2_OUTPUTS = $(OUT)/table2/table2.tsv $(OUT)/table2/README
table2_paper = mlp-small:203530 mlp:335114 mlp-large:932362 cnn:312202 \
	resnet20:269722 resnet32:464154 resnet110:1727962 vgg16:134301514

$(OUT)/table2/table2.tsv:
	@mkdir -p $(@D)
	{ printf 'arch\tparameters\tpaper\n'; \
	  $(foreach a,$(table2_paper),printf '%s\t%s\t%s\n' $(word 1,$(subst :, ,$a)) \
	    "$$($(TRAIN) --describe --arch $(word 1,$(subst :, ,$a)) | sed -n 's/^total parameters: //p')" $(word 2,$(subst :, ,$a));) } | $(atomic)
