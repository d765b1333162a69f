namespace Spotter.Collab.Crdt;
