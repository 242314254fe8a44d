# ResNet-18 (timm `resnet18`) for 224 px ImageNet-1k: OFA-KD's CNN student.
model = dict(type='mmkd.TimmClassifier', model_name='resnet18', num_classes=1000, label_smoothing=0.1)
