# Full MGD-SSSS: pixel-level (both teachers, labeled and CutMix images),
# image-level (deep teacher, lambda 1e-3) and region-level (wide teacher,
# lambda 100) distillation into the DeepLabV3+ R18-w8 student.
_base_ = ['../_base_/distill/mgd-ssss_deeplabv3plus_r18-w16-r101-w8_shapes-cityscapes-1-16.py']
