# MGD-SSSS's Cityscapes schedule: SGD lr 0.04 (momentum 0.9, weight decay
# 1e-4), poly power 0.9, batch 16 (8 GPUs x 2), 137 epochs of
# max(labeled, unlabeled) // 16 iterations: at 1/16, 137 * (2790 // 16) = 23838.
max_iters = 23838
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.04, momentum=0.9, weight_decay=1e-4),
                     clip_grad=None)
param_scheduler = [dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=max_iters, by_epoch=False)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters // 8)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
