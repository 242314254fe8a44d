"""Bird's-eye view of a raw LiDAR sweep beside its object-complete version, with boxes.

``python demo/xray_bev_demo.py --root data/lidar_kitti --out xray_bev.png``
draws the first validation sample (or ``--sample 000203``): left the sweep as
the sensor returned it (objects seen from one side, occluded or thinned by
range), right the object-complete sweep the X-Ray teacher trains on (each
object carries the points of all its views in the sequence). Ground-truth
boxes in both. Build the data first with ``tools/data/generate_lidar.py``.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # run from a checkout

import matplotlib  # noqa: E402

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import mmengine  # noqa: E402
import numpy as np  # noqa: E402

from mmkd.datasets.lidar import COMPLETE_FOLDER, box_corners, lidar_boxes_from_info, read_points  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--root', default='data/lidar_kitti', help='KITTI-layout folder with both point sets')
    parser.add_argument('--infos', default='kitti_infos_val.pkl')
    parser.add_argument('--sample', help='sample name, e.g. 002003 (default: the first of --infos)')
    parser.add_argument('--complete-folder', default=COMPLETE_FOLDER)
    parser.add_argument('--range', type=float, nargs=4, default=(0, -20, 60, 20),
                        metavar=('XMIN', 'YMIN', 'XMAX', 'YMAX'))
    parser.add_argument('--out', default='xray_bev.png')
    return parser.parse_args(argv)


def draw(ax, points: np.ndarray, boxes: np.ndarray, title: str, extent) -> None:
    x0, y0, x1, y1 = extent
    keep = (points[:, 0] >= x0) & (points[:, 0] <= x1) & (points[:, 1] >= y0) & (points[:, 1] <= y1)
    p = points[keep]
    ax.scatter(p[:, 0], p[:, 1], s=0.3, c=p[:, 2], cmap='viridis', vmin=-2, vmax=1, linewidths=0)
    for corners in box_corners(boxes)[:, :4, :2]:
        ring = np.concatenate([corners, corners[:1]])
        ax.plot(ring[:, 0], ring[:, 1], color='red', linewidth=0.8)
        front = corners[:2].mean(0)  # the front edge's midpoint: a tick from the centre shows the heading
        ax.plot([corners.mean(0)[0], front[0]], [corners.mean(0)[1], front[1]], color='red', linewidth=0.8)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect('equal')
    ax.set_title(f'{title}: {keep.sum()} points')
    ax.set_xlabel('x (m, forward)')
    ax.set_ylabel('y (m, left)')


def main(argv=None) -> str:
    args = parse_args(argv)
    infos = mmengine.load(osp.join(args.root, args.infos))['data_list']
    names = [osp.splitext(info['lidar_points']['lidar_path'])[0] for info in infos]
    name = args.sample or names[0]
    if name not in names:
        raise KeyError(f'sample {name} is not in {args.infos}')
    info = infos[names.index(name)]
    boxes = lidar_boxes_from_info(info)
    raw = read_points(osp.join(args.root, 'training', 'velodyne', name + '.bin'))
    complete = read_points(osp.join(args.root, 'training', args.complete_folder, name + '.bin'))
    fig, axes = plt.subplots(1, 2, figsize=(16, 6), dpi=120)
    draw(axes[0], raw, boxes, f'raw sweep {name}', args.range)
    draw(axes[1], complete, boxes, 'object-complete', args.range)
    fig.tight_layout()
    fig.savefig(args.out)
    plt.close(fig)
    print(f'wrote {args.out}')
    return args.out


if __name__ == '__main__':
    main()
