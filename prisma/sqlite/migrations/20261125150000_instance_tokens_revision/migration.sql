-- Written by hand: `prisma migrate diff` rebuilds the table (CREATE new_Instance, copy, DROP
-- TABLE "Instance", rename); one ALTER TABLE gives the same table (column appended last, as in
-- prisma/models.prisma) without copying every instance.

-- AlterTable
ALTER TABLE "Instance" ADD COLUMN "tokensRevision" INTEGER NOT NULL DEFAULT 0;
