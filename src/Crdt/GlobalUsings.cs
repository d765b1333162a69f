global using Spotter.Collab.Crdt.Lib0;
