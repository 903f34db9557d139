-- AlterTable
ALTER TABLE "User" ADD COLUMN     "tokensValidAfter" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "ProjectMember" ADD COLUMN     "pendingEmail" TEXT;

-- CreateTable
CREATE TABLE "LoginFailureCounter" (
    "key" TEXT NOT NULL,
    "count" INTEGER NOT NULL,
    "resetAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "LoginFailureCounter_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "LoginFailureCounter_resetAt_idx" ON "LoginFailureCounter"("resetAt");

-- CreateIndex
CREATE INDEX "ProjectMember_pendingEmail_idx" ON "ProjectMember"("pendingEmail");

-- CreateIndex
CREATE UNIQUE INDEX "ProjectMember_projectId_pendingEmail_key" ON "ProjectMember"("projectId", "pendingEmail");

