# X-Ray distillation (Gambashidze et al., CVPR 2024): the teacher, trained on
# object-complete sweeps, sees the object-complete version of exactly the
# student's sample, augmented with the same draw (flip, rotation, scale,
# translation): the pipeline loads the paired file, replays the recorded
# augmentation on it and packs it on the data sample; mmkd.PairedPointsInput
# voxelises it with the teacher's own preprocessor. The student sees raw
# sweeps. Losses as the plain-KD baseline: BEV feature MSE on the neck map
# (object cells weighted 2x) plus head distillation (class KL, box L1 on GT
# footprints).
_base_ = ['./xray_bev-head-raw-teacher_pointpillars-s_pointpillars-s_adamw-6e_lidar-kitti.py']
model = dict(
    teacher=dict(ckpt='work_dirs/pointpillars-s_adamw-12e_lidar-kitti-complete/epoch_12.pth',
                 inputs=dict(type='PairedPointsInput', field='paired_points')))
train_dataloader = dict(dataset=dict(pipeline={{_base_.paired_train_pipeline}}))
