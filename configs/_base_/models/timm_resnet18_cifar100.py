# ResNet-18 (timm `resnet18`) for CIFAR-100 upsampled to 224 px: OFA-KD's CIFAR student.
model = dict(type='mmkd.TimmClassifier', model_name='resnet18', num_classes=100, label_smoothing=0.1)
