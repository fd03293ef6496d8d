"""The tiny network the unit tests check by hand."""
from torch import nn


class TinyNet(nn.Module):
    """conv(3→4) → relu → conv(4→6) → global mean → linear(6→5): small enough to check by hand."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(4, 6, 3, padding=1, stride=2)
        self.relu2 = nn.ReLU()
        self.fc = nn.Linear(6, 5)

    def forward(self, x):
        x = self.relu2(self.conv2(self.relu1(self.conv1(x))))
        return self.fc(x.mean((-2, -1)))
