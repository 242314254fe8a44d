# Raw-frame teacher: the student's architecture trained twice as long (12
# epochs) on raw sweeps; the plain-KD baseline distils from it, to separate
# what object completeness adds from what distillation itself adds.
_base_ = [
    '../_base_/models/pointpillars-s_secfpn_lidar-kitti.py',
    '../_base_/datasets/lidar_kitti-3class.py',
    '../_base_/schedules/adamw_12e.py',
    '../_base_/default_runtime.py',
]
