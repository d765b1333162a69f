namespace Spotter.Collab.Grains;
