-- Written by hand: `prisma migrate diff` rebuilds the table (CREATE new_Instance, DROP TABLE
-- "Instance") behind PRAGMA foreign_keys=OFF, a no-op inside the transaction Tessera's migrator
-- runs each migration in, so the DROP would cascade to every InstanceToken. This gives the same
-- table (column appended last, as in prisma/models.prisma).

-- AlterTable
ALTER TABLE "Instance" ADD COLUMN "tokensRevision" INTEGER NOT NULL DEFAULT 0;
