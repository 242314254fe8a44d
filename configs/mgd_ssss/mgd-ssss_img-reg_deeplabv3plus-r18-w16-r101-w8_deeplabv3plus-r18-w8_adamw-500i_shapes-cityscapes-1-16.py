# Ablation of MGD-SSSS: the pixel-level loss removed, everything else as in
# mgd-ssss_img-reg-pix_... (same teachers, data, schedule).
_base_ = ['../_base_/distill/mgd-ssss_deeplabv3plus_r18-w16-r101-w8_shapes-cityscapes-1-16.py']
model = dict(distiller=dict(granularities=('image', 'region')))
