"""Style invariance of a backbone on a multi-domain set: same frame, another appearance, same features?

``python tools/analysis/style_invariance.py configs/gkd/gkd_stage2-frozen_densebyol-twins-vit-e192-d6_fcn_adamw-800i_street-dg.py``
``python tools/analysis/style_invariance.py configs/gkd/gkd_stage2-frozen_vit-e128-d4_fcn_adamw-800i_street-dg.py
--cfg-options model.backbone.ckpt=work_dirs/gkd/seed0/stage1/student_latest.pth``

The config is a segmentor whose validation set holds one dataset per domain
(the street DG configs: ``val_evaluator.domains``, source first), each
rendering the same frames under the same file names. For the first
``--frames`` frames, every level of ``model.extract_feat`` is computed in the
source and in each target domain, and the place-wise cosine similarity is
printed (``mmkd/analysis/style_invariance.py``): same frame, and in brackets
another frame (the level that position and style alone give), on features
centred by the source domain's mean (``--no-centre``: raw). The backbone
comes from the config (its ``ckpt``; none: random weights); ``--checkpoint``
loads a whole trained segmentor instead.
"""
import argparse
import os.path as osp
import sys
from typing import Dict, List

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))  # run from a checkout

import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.dataset import pseudo_collate  # noqa: E402
from mmengine.registry import DATASETS, init_default_scope  # noqa: E402

import mmkd  # noqa: E402,F401
from mmkd.analysis.style_invariance import style_invariance  # noqa: E402
from mmkd.datasets import set_data_root  # noqa: E402
from mmkd.models.builder import build_model  # noqa: E402
from mmkd.utils.cfg_options import CfgOptionsAction  # noqa: E402
from mmkd.utils.checkpoint import load_into  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='a segmentor config with one validation dataset per domain')
    parser.add_argument('--checkpoint', help='a trained segmentor checkpoint (default: the config\'s weights)')
    parser.add_argument('--frames', type=int, default=16, help='frames per domain (default 16)')
    parser.add_argument('--data-root', help='read the domains from another copy of the data set')
    parser.add_argument('--no-centre', action='store_true',
                        help='raw cosines (default: features centred by the source domain\'s mean feature)')
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction, help='override config keys')
    return parser.parse_args(argv)


def domain_datasets(cfg: Config) -> Dict[str, dict]:
    """``{domain: dataset cfg}`` from the DomainIoUMetric's domains and the val ConcatDataset, in order."""
    evaluator = cfg.get('val_evaluator') or {}
    domains = evaluator.get('domains') if isinstance(evaluator, dict) else None
    dataset = cfg.val_dataloader.dataset
    parts = dataset.get('datasets') if dataset.get('type') == 'ConcatDataset' else None
    if not domains or not parts or len(parts) != len(domains):
        raise KeyError('the config needs val_evaluator.domains (source first) and a val_dataloader.dataset of '
                       "type='ConcatDataset' with one dataset per domain, as configs/_base_/datasets/street_dg.py")
    return dict(zip(domains, parts))


@torch.no_grad()
def domain_features(model, dataset_cfg: dict, domain: str, frames: int):
    dataset = DATASETS.build(dataset_cfg)
    image_dir = osp.join(dataset_cfg['data_root'], dataset_cfg['data_prefix']['img_path'])
    if len(dataset) < frames:
        raise ValueError(f'domain {domain!r} has {len(dataset)} val images under {image_dir}, '
                         f'fewer than --frames {frames}')
    samples = [dataset[i] for i in range(frames)]
    # the frame's name below the domain's image folder: the same frame has the same name in every domain
    names = [osp.relpath(s['data_samples'].img_path, image_dir) for s in samples]
    data = model.data_preprocessor(pseudo_collate(samples), False)
    feats = model.extract_feat(data['inputs'])
    return names, [f.float() for f in (feats if isinstance(feats, (list, tuple)) else [feats])]


def main(argv=None) -> Dict[str, List[dict]]:
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if args.data_root:
        set_data_root(cfg, args.data_root)
    if args.frames < 2:
        raise SystemExit('--frames must be at least 2 (the other-frame baseline pairs frame i with frame i + 1)')
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    domains = domain_datasets(cfg)
    model = build_model(cfg.model, 'segmentor')
    if hasattr(model, 'init_weights'):
        model.init_weights()
    if args.checkpoint:
        load_into(model, args.checkpoint, what='segmentor checkpoint')
    model.eval()

    source, *targets = domains
    names, source_feats = domain_features(model, domains[source], source, args.frames)
    results = {}
    for target in targets:
        target_names, target_feats = domain_features(model, domains[target], target, args.frames)
        if target_names != names:
            raise ValueError(f'the val frames of {source!r} and {target!r} differ (e.g. {names[0]!r} vs '
                             f'{target_names[0]!r}): the domains must render the same frames under the same names')
        results[target] = [style_invariance(s, t, centre=not args.no_centre)
                           for s, t in zip(source_feats, target_feats)]

    print(f'place-wise cosine similarity to the source domain {source!r}, same frame (another frame), '
          f'{args.frames} val frames, ' + ('raw features' if args.no_centre else 'centred by the source mean'))
    header = ['level'] + list(targets)
    print('| ' + ' | '.join(header) + ' |\n|' + '---|' * len(header))
    for level in range(len(source_feats)):
        cells = [f'{results[t][level]["same"]:.2f} ({results[t][level]["other"]:.2f})' for t in targets]
        print(f'| {level} | ' + ' | '.join(cells) + ' |')
    return results


if __name__ == '__main__':
    main()
