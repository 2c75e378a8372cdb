"""signport.train: models, training, head fine-tuning and evaluation."""
