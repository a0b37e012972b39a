# MSMT17 through torchreid's parser: put the dataset at
# data/msmt17/MSMT17_V1/{train,test,list_train.txt,list_val.txt,list_query.txt,list_gallery.txt}.
_base_ = ['./market1501.py']
source = 'msmt17'
train_dataloader = dict(dataset=dict(source=source))
val_dataloader = dict(dataset=dict(source=source))
test_dataloader = val_dataloader
