"""Batch views and CutMix of teacher outputs: the pseudo-label of a mixed image is the mix of pseudo-labels."""
import pytest
import torch
from mmengine.structures import BaseDataElement

from mmkd.models.connectors import BatchChunkConnector, CutMixConnector, cutmix_outputs


def test_batch_chunk_picks_a_view():
    batch = torch.arange(8.0).view(8, 1)
    assert BatchChunkConnector(4, 1)(batch).flatten().tolist() == [2.0, 3.0]
    assert BatchChunkConnector(2, 0)(batch).flatten().tolist() == [0.0, 1.0, 2.0, 3.0]
    with pytest.raises(ValueError, match='does not split'):
        BatchChunkConnector(3, 0)(batch)
    with pytest.raises(ValueError, match='index'):
        BatchChunkConnector(2, 2)


def test_pseudo_label_of_mixed_logits_is_mix_of_pseudo_labels():
    g = torch.Generator().manual_seed(0)
    out0, out1 = torch.randn(3, 19, 16, 32, generator=g), torch.randn(3, 19, 16, 32, generator=g)
    masks = (torch.rand(3, 1, 16, 32, generator=g) > 0.5).float()
    mixed_label = cutmix_outputs(out0, out1, masks).argmax(1)
    m = masks[:, 0].long()
    assert torch.equal(mixed_label, out0.argmax(1) * (1 - m) + out1.argmax(1) * m)


def test_cutmix_connector_reads_masks_from_data_samples_and_resizes_them():
    # teacher batch [x_l; u_mix; u0; u1], two images each; logits at half the mask resolution
    logits = torch.cat([torch.full((2, 1, 2, 2), float(v)) for v in range(4)])
    masks = torch.zeros(2, 1, 4, 4)
    masks[0, :, :, 2:] = 1  # right half from u1
    samples = [BaseDataElement() for _ in range(2)] + [BaseDataElement(cutmix_mask=m) for m in masks]
    out = CutMixConnector()(logits, samples)
    assert out.shape == (2, 1, 2, 2)
    assert out[0, 0].tolist() == [[2.0, 3.0], [2.0, 3.0]] and (out[1] == 2.0).all()
    with pytest.raises(ValueError, match='cutmix_mask'):
        CutMixConnector()(logits, samples[:2])
    with pytest.raises(ValueError, match='sources'):
        CutMixConnector(num_chunks=4, sources=(2, 4))
