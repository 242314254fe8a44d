# PointPillars-S teacher -> PointPillars-S student on the embedded LiDAR set;
# the student trains on raw sweeps with its own schedule (6 epochs, as the
# student alone). Children pick the teacher (raw or object-complete) and the
# distiller (mmkd.BEVHeadDistiller records the neck's BEV map, a list of one
# 192-channel map at stride 2, and the anchor head's class / box maps).
_base_ = [
    '../datasets/lidar_kitti-3class.py',
    '../schedules/adamw_6e.py',
    '../default_runtime.py',
]
model_cfg = '{{fileDirname}}/../models/pointpillars-s_secfpn_lidar-kitti.py'
model = dict(
    type='mmkd.SingleTeacherDistill',
    student=dict(cfg_path=model_cfg),
    teacher=dict(cfg_path=model_cfg),
    distiller=dict(type='ConfigurableDistiller'))
custom_hooks = [dict(type='mmkd.StudentCheckpointHook')]
# validation reports the student and, once, the teacher on the same (raw) sweeps
val_cfg = dict(_delete_=True, type='mmkd.DistillValLoop', evaluate_teachers='once')
test_cfg = dict(_delete_=True, type='mmkd.DistillTestLoop', evaluate_teachers='once')
