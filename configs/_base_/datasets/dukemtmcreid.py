# DukeMTMC-reID through torchreid's parser: put the dataset at
# data/dukemtmc-reid/DukeMTMC-reID/{bounding_box_train,query,bounding_box_test}.
_base_ = ['./market1501.py']
source = 'dukemtmcreid'
train_dataloader = dict(dataset=dict(source=source))
val_dataloader = dict(dataset=dict(source=source))
test_dataloader = val_dataloader
