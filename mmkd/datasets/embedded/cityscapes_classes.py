"""Cityscapes' 19 evaluation classes in train-id order (ids 0..18, 255 = ignore).

The same tuple as ``mmseg.datasets.CityscapesDataset.METAINFO['classes']``
(a test checks it); kept here so that the generator runs without mmseg.
"""
CITYSCAPES_CLASSES = ('road', 'sidewalk', 'building', 'wall', 'fence', 'pole',
                      'traffic light', 'traffic sign', 'vegetation', 'terrain',
                      'sky', 'person', 'rider', 'car', 'truck', 'bus', 'train',
                      'motorcycle', 'bicycle')
TRAIN_ID = {name: index for index, name in enumerate(CITYSCAPES_CLASSES)}
IGNORE_INDEX = 255
