-- AlterTable
ALTER TABLE "User" ADD COLUMN     "tokensValidAfter" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "LoginFailureCounter" (
    "key" TEXT NOT NULL,
    "count" INTEGER NOT NULL,
    "resetAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "LoginFailureCounter_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "LoginFailureCounter_resetAt_idx" ON "LoginFailureCounter"("resetAt");

