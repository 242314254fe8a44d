# DeiT-Tiny (timm `deit_tiny_patch16_224`) with ImageNet-1k weights read from a local
# timm checkpoint (e.g. timm's model.safetensors of deit_tiny_patch16_224.fb_in1k saved
# under checkpoints/): OFA-KD's ImageNet teacher. Nothing is downloaded at run time.
model = dict(type='mmkd.TimmClassifier', model_name='deit_tiny_patch16_224', num_classes=1000,
             pretrained_file='checkpoints/deit_tiny_patch16_224.safetensors')
