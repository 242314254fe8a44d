# OFA-KD's ImageNet schedule for CNN students (configs/imagenet/cnn.yaml): SGD lr 0.1 for
# a total batch of 512 (8 x 64), weight decay 1e-4, 3 warm-up epochs, lr x0.1 every 30
# epochs, 100 epochs. auto_scale_lr rescales lr for another total batch (--auto-scale-lr).
max_epochs = 100
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=3, convert_to_iter_based=True),
    dict(type='MultiStepLR', by_epoch=True, begin=3, end=max_epochs, milestones=[30, 60, 90], gamma=0.1),
]
auto_scale_lr = dict(enable=False, base_batch_size=512)
