# An MMDetection 3.x model config as its tools/train.py trains from it (MMEngine's Config.fromfile
# runs the file; lrviz reads it as data): the schedule comes from its _base_ file, the batch from
# train_dataloader. COCO train2017 holds 117,266 images with annotations; 8 processes x 2 images.
# lrviz: --dataset-size 117266 --world-size 8 --from mmengine
_base_ = ['_base_/schedules/schedule_1x.py']

train_dataloader = dict(
    batch_size=2,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=dict(type='AspectRatioBatchSampler'),
    dataset=dict(
        type='CocoDataset',
        data_root='data/coco/',
        ann_file='annotations/instances_train2017.json',
        data_prefix=dict(img='train2017/'),
        filter_cfg=dict(filter_empty_gt=True, min_size=32),
    ),
)
