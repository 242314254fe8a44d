# ResNet-18 at half width (timm `resnet18` with channels 32/64/128/256, 2.8 M
# parameters) for 32 px inputs: the CNN student. Stage grids at 32 px: 8/4/2/1.
model = dict(type='mmkd.TimmClassifier', model_name='resnet18', num_classes=16, label_smoothing=0.1,
             channels=(32, 64, 128, 256))
