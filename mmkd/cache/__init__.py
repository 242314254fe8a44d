"""Teacher-feature cache: extract the recorded teacher features of a dataset
once, then train without running the teacher.

* :mod:`.extraction_driver` is the one extraction loop (skip what is stored,
  compute the rest, write shards atomically, resume) of every cache;
* :mod:`.extract` runs the teachers over the training set through it;
* :mod:`.writer` / :mod:`.reader` / :mod:`.index` are the on-disk format
  (shards of flat ``.npy`` arrays read through memory maps, a JSON index with
  sizes and hashes, atomic writes, resumable); :mod:`.quantize` is the int8
  storage mode, :mod:`.budget` the disk budget checked before the first shard,
  :mod:`.parts` the per-rank parts of a distributed extraction and their merge;
* :mod:`.sample_key` says which entry belongs to a data sample (sample id plus
  the augmentation its metainfo records); :mod:`.fingerprint` ties a cache to
  the pipeline, preprocessor and teacher that produced it;
* :mod:`.cached_teacher` is what ``MultiTeacherDistill(teacher_cache=...)`` uses;
  :mod:`.prefetch` reads its entries in the dataloader workers.
"""
from .budget import StorageBudgetError
from .cached_teacher import CachedTeacher, TeacherCacheMiss
from .extraction_driver import ComputedBatch, run_extraction, to_storage
from .extract import extract_from_loader, extract_teacher_features, unrecorded_random_transforms
from .index import CacheIndex, CacheMismatchError
from .parts import merge_parts
from .prefetch import TeacherCachePrefetch
from .reader import CacheIntegrityError, TeacherFeatureCache
from .sample_key import SampleKeys, augmentation_key
from .writer import TeacherFeatureCacheWriter

__all__ = ['StorageBudgetError', 'merge_parts', 'TeacherCachePrefetch', 'ComputedBatch', 'run_extraction', 'to_storage', 'CachedTeacher', 'TeacherCacheMiss', 'extract_from_loader', 'extract_teacher_features',
           'unrecorded_random_transforms', 'CacheIndex', 'CacheMismatchError', 'CacheIntegrityError',
           'TeacherFeatureCache', 'SampleKeys', 'augmentation_key', 'TeacherFeatureCacheWriter']
