# ResNet-18 (timm `resnet18`, full width: stages 64/128/256/512 channels) for 32 px
# inputs and the 16 embedded classes: the CNN teacher. Stage grids at 32 px: 8/4/2/1.
model = dict(type='mmkd.TimmClassifier', model_name='resnet18', num_classes=16, label_smoothing=0.1)
