# Plain KD baseline of X-Ray: the same losses as X-Ray (BEV feature MSE,
# foreground-weighted, plus head distillation), from the RAW-frame teacher run
# on the student's own sweep. X-Ray differs only in the teacher and its input.
_base_ = ['../_base_/distill/pointpillars-s_pointpillars-s_lidar-kitti.py']
point_cloud_range = [0, -15.36, -3, 61.44, 15.36, 1]
model = dict(
    teacher=dict(ckpt='work_dirs/pointpillars-s_secfpn_adamw-12e_lidar-kitti/epoch_12.pth'),
    distiller=dict(
        student_recorders={{_base_.bev_recorders}},
        teacher_recorders={{_base_.bev_recorders}},
        losses=dict(
            loss_bev=dict(type='BEVDistillLoss', point_cloud_range=point_cloud_range,
                          foreground_weight=2.0, background_weight=1.0, loss_weight=1.0),
            loss_head=dict(type='HeadDistillLoss', point_cloud_range=point_cloud_range, cls_mode='kl',
                           cls_weight=1.0, reg_weight=1.0, loss_weight=1.0)),
        loss_inputs=dict(
            loss_bev=dict(preds_S=('student', 'bev', 0), preds_T=('teacher', 'bev', 0),
                          data_samples='data_samples'),
            loss_head=dict(cls_S=('student', 'cls'), cls_T=('teacher', 'cls'), reg_S=('student', 'reg'),
                           reg_T=('teacher', 'reg'), data_samples='data_samples'))))
