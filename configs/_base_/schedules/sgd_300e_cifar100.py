# OFA-KD's CIFAR-100 schedule for CNN students (configs/cifar/cnn.yaml): batch 128, SGD
# lr 0.05, weight decay 2e-3, 3 warm-up epochs, cosine decay to 1e-3, 300 epochs.
max_epochs = 300
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=2e-3))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=3, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=3, end=max_epochs, T_max=max_epochs - 3,
         eta_min=1e-3, convert_to_iter_based=True),
]
auto_scale_lr = dict(enable=False, base_batch_size=128)
