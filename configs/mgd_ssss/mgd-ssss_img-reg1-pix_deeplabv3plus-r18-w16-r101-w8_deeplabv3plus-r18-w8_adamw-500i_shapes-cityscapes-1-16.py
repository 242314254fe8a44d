# Full multi-granularity distillation with the region-level weight at 1 instead
# of the paper's 100: on this small student the region term at 100 dominates the
# total loss and cancels the gain of the pixel level (README, measured rows).
_base_ = ['./mgd-ssss_img-reg-pix_deeplabv3plus-r18-w16-r101-w8_deeplabv3plus-r18-w8_adamw-500i_shapes-cityscapes-1-16.py']
model = dict(distiller=dict(region_weight=1.0))
