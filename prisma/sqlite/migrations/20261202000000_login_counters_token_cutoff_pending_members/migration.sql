-- AlterTable
ALTER TABLE "User" ADD COLUMN "tokensValidAfter" DATETIME;

-- AlterTable
ALTER TABLE "ProjectMember" ADD COLUMN "pendingEmail" TEXT;

-- CreateTable
CREATE TABLE "LoginFailureCounter" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "count" INTEGER NOT NULL,
    "resetAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "LoginFailureCounter_resetAt_idx" ON "LoginFailureCounter"("resetAt");

-- CreateIndex
CREATE INDEX "ProjectMember_pendingEmail_idx" ON "ProjectMember"("pendingEmail");

-- CreateIndex
CREATE UNIQUE INDEX "ProjectMember_projectId_pendingEmail_key" ON "ProjectMember"("projectId", "pendingEmail");

