# The "1x" detection schedule of OpenMMLab configs (MMDetection 3.x keeps it as a _base_ file that
# model configs inherit): 12 epochs of SGD at lr 0.02, warmed up linearly over the first 500
# iterations, the lr cut tenfold after epochs 8 and 11. A base file: no '# lrviz' facts line, so the
# gallery does not draw it alone; mmdet-faster-rcnn-1x.py inherits it.
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

warmup_iters = 500
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=warmup_iters),
    dict(type='MultiStepLR', by_epoch=True, begin=0, end=12, milestones=[8, 11], gamma=0.1),
]

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=0.0001),
)

# The lr above is for 8 processes x 2 images; tools/train.py --auto-scale-lr sets enable=True.
auto_scale_lr = dict(enable=False, base_batch_size=16)
