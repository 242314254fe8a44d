# The paper setting on real KITTI (3 classes): mmdet3d's own PointPillars for
# teacher and student, its KITTI data config and cyclic 40-epoch schedule on a
# twice-repeated set (80 epochs). The whole config resolves unscoped types in
# mmdet3d (default_scope); mmkd's parts are named `mmkd.`. Data: mmdet3d's
# `tools/create_data.py kitti` output in data/kitti/.
_base_ = [
    'mmdet3d::_base_/datasets/kitti-3d-3class.py',
    'mmdet3d::_base_/schedules/cyclic-40e.py',
    '../default_runtime.py',
]
default_scope = 'mmdet3d'
point_cloud_range = [0, -39.68, -3, 69.12, 39.68, 1]
model_cfg = 'mmdet3d::pointpillars/pointpillars_hv_secfpn_8xb6-160e_kitti-3d-3class.py'
model = dict(
    type='mmkd.SingleTeacherDistill',
    student=dict(cfg_path=model_cfg),
    teacher=dict(cfg_path=model_cfg),
    distiller=dict(type='ConfigurableDistiller'))
val_evaluator = dict(_delete_=True, type='mmkd.KittiDistanceMetric', ann_file='data/kitti/kitti_infos_val.pkl',
                     kitti=dict(metric='bbox'))
test_evaluator = val_evaluator
custom_hooks = [dict(type='mmkd.StudentCheckpointHook')]
# validation reports the student and, once, the teacher on the same (raw) sweeps
val_cfg = dict(_delete_=True, type='mmkd.DistillValLoop', evaluate_teachers='once')
test_cfg = dict(_delete_=True, type='mmkd.DistillTestLoop', evaluate_teachers='once')
