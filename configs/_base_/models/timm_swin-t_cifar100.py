# Swin-T (timm `swin_tiny_patch4_window7_224`) for CIFAR-100 upsampled to 224 px: OFA-KD's
# CIFAR teacher (trained on CIFAR-100 first; its checkpoint is the pair's teacher ckpt).
model = dict(type='mmkd.TimmClassifier', model_name='swin_tiny_patch4_window7_224', num_classes=100,
             label_smoothing=0.1)
